import '@mantine/core/styles.css'
import { createTheme, MantineProvider } from '@mantine/core'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ConsolePage } from './views/ConsolePage'

const theme = createTheme({ primaryColor: 'red' })
const root = document.getElementById('root')
if (!root) throw new Error('index.html lacks #root')

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <ConsolePage />
    </MantineProvider>
  </StrictMode>,
)
